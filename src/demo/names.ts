/** First names have no space, so `split_part(name, ' ', 1)` recovers them exactly. */
export const FIRST_NAMES = [
  'Ada', 'Alan', 'Barbara', 'Claude', 'Dennis', 'Donald', 'Edsger', 'Frances', 'Grace', 'Hedy', 'Ivan', 'Jean',
  'John', 'Karen', 'Ken', 'Leslie', 'Linus', 'Margaret', 'Niklaus', 'Radia', 'Shafi', 'Sophie', 'Tim', 'Yukihiro',
];

/** Some last names have spaces: the rest of the name after the first space is the last name. */
export const LAST_NAMES = [
  'Lovelace', 'Turing', 'Liskov', 'Shannon', 'Ritchie', 'Knuth', 'Dijkstra', 'Allen', 'Hopper', 'Lamarr', 'Sutherland',
  'Bartik', 'von Neumann', 'Sparck Jones', 'Thompson', 'Lamport', 'Torvalds', 'Hamilton', 'Wirth', 'Perlman',
  'Goldwasser', 'Wilson', 'Berners-Lee', 'Matsumoto', 'de la Cruz',
];

export interface Person {
  first: string;
  /** null for a one-word name. */
  last: string | null;
}

const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)]!;

export function randomPerson(): Person {
  return { first: pick(FIRST_NAMES), last: Math.random() < 0.05 ? null : pick(LAST_NAMES) };
}

/** The old release's single `name` field. */
export function fullName(p: Person): string {
  return p.last === null ? p.first : `${p.first} ${p.last}`;
}
