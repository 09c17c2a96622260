/** The names among `names` that an SQL expression mentions (string literals aside), quoted or not. */
export function referencedNames(expression: string, names: string[]): string[] {
  const code = expression.replace(/'(?:[^']|'')*'/g, "''");
  return names.filter((name) => {
    const quoted = `"${name.replaceAll('"', '""')}"`;
    if (code.includes(quoted)) return true;
    const bare = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return /^[a-z_][a-z0-9_$]*$/.test(name) && new RegExp(`(^|[^A-Za-z0-9_$."])${bare}($|[^A-Za-z0-9_$"])`, 'i').test(code);
  });
}
