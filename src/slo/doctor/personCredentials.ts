import type { DoctorCheck, Finding } from './finding.js';

/**
 * Blocking: a third-party API credential (config `credentials`) that is a person's stops working
 * when that person leaves or their account is disabled, and every service that uses it goes down.
 */
export const personCredentials: DoctorCheck = {
  name: 'person-credentials',
  async run({ settings }) {
    const credentials = Object.entries(settings.credentials);
    if (credentials.length === 0) return { skipped: 'no credentials declared in the config (credentials)' };
    const findings: Finding[] = [];
    for (const [name, credential] of credentials) {
      if (!('person' in credential.owner)) continue;
      const person = credential.owner.person;
      const known = settings.team?.people[person];
      findings.push({
        check: 'person-credentials',
        severity: 'blocking',
        title: `credential ${name} belongs to a person, ${known ? `${known.name} (${person})` : person}`,
        evidence: [
          `credentials.${name}.owner: { person: "${person}" }`,
          `used by: ${credential.usedBy.join(', ')}`,
          ...(credential.where ? [`kept at: ${credential.where}`] : []),
        ],
        fix: `issue a ${name} credential to a shared operations account, switch ${credential.usedBy.join(', ')} to it, revoke the personal one, and set credentials.${name}.owner to { account: "<the account>" }`,
      });
    }
    return findings;
  },
};
