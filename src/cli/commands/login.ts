import type { Command } from 'commander';
import { action } from '../action.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerLogin(program: Command): void {
  addVerb(program, 'login', 'issue a personal token that names you in every command and audit entry (your own is saved for this database unless --print-only; one an administrator issues for someone else is only printed); --revoke takes tokens back')
    .option('--person <id>', 'whom the token is for (default: the person your PostgreSQL role maps to; an administrator may name anyone)')
    .option('--print-only', 'print the token without saving it to the credentials file')
    .option('--revoke <token-id|person>', 'revoke one token, or every token of a person, instead of issuing one')
    .action(
      action(async ({ options, command }) => {
        const { person, printOnly, revoke } = command.opts<{ person?: string; printOnly?: boolean; revoke?: string }>();
        const { credentialsFile, forgetCredential, saveCredential } = await import('../../people/credentials.js');
        if (revoke !== undefined) {
          const result = await withMidair('login', options, async (midair) => {
            const revoked = await midair.revokeTokens(revoke);
            const forgotten = forgetCredential(midair.db.description, revoked.revoked.map((r) => r.id));
            return { ...revoked, forgotten };
          });
          const ids = result.revoked.map((r) => `${r.id} (${r.person})`).join(', ');
          const text = result.revoked.length ? `revoked token(s) ${ids}; recorded in the audit log${result.forgotten ? `; removed from ${credentialsFile()}` : ''}` : 'nothing to revoke: no such token holds';
          return { data: { ...result }, text };
        }
        const { result, saved } = await withMidair('login', options, async (midair) => {
          const issued = await midair.login({ person });
          // Saving someone else's token would make the issuer act as them from then on.
          if (printOnly || !issued.own) return { result: issued, saved: null };
          saveCredential(midair.db.description, { token: issued.token, person: issued.person, tokenId: issued.tokenId });
          return { result: issued, saved: credentialsFile() };
        });
        const where = saved
          ? `saved to ${saved} (readable by you only); commands on this database now act as "${result.person}"`
          : result.own ? 'not saved: set MIDAIR_TOKEN to it to act as this person' : `not saved: it is "${result.person}"'s, not yours; hand it to them to set as MIDAIR_TOKEN`;
        const text = [`token ${result.tokenId} for "${result.person}" (issued by ${result.issuedBy}):`, `  ${result.token}`, `shown once: only its hash is kept; ${where}`, `revoke with \`midair login --revoke ${result.tokenId}\``].join('\n');
        return { data: { ...result, savedTo: saved }, text };
      }),
    );
}
