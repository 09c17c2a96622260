import type { DoctorReport, Severity } from '../../slo/doctor/finding.js';

const HEADINGS: Record<Severity, string> = { blocking: 'blocking', warning: 'warnings' };

/** The doctor's findings for people: blocking first, each with its evidence and fix, then the checks skipped. */
export function formatDoctor(report: DoctorReport, database: string): string {
  const lines = [`doctor: ${database}: ${report.blocking} blocking, ${report.warnings} warning${report.warnings === 1 ? '' : 's'}`];
  for (const severity of ['blocking', 'warning'] as const) {
    const findings = report.findings.filter((f) => f.severity === severity);
    if (findings.length === 0) continue;
    lines.push('', `${HEADINGS[severity]}:`);
    for (const f of findings) {
      lines.push(`  [${f.check}] ${f.title}`);
      for (const e of f.evidence) lines.push(`      ${e}`);
      lines.push(`    fix: ${f.fix}`);
    }
  }
  const skipped = report.checks.filter((c) => !c.ran);
  if (skipped.length) {
    lines.push('', 'not checked:');
    for (const c of skipped) lines.push(`  ${c.name}: ${c.skipped}`);
  }
  if (report.findings.length === 0) lines.push('', `nothing stands in the way: ${report.checks.filter((c) => c.ran).length} checks ran, no finding`);
  return lines.join('\n');
}
