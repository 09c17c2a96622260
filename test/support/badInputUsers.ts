/** The table the bad-input tests (badInput*.test.ts) try to migrate: three users, two without an email. */
export const USERS = `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, email text, age integer);
INSERT INTO users (name, email, age) VALUES ('ann', 'ann@x.io', 30), ('bob', NULL, 40), ('cy', NULL, 50);`;
