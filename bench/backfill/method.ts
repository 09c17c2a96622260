/** One way of bringing every existing row to the new shape, run on a fresh copy of the table. */
export interface Method {
  key: string;
  label: string;
  /** Takes the fresh table to where the method starts (adds the columns, or starts the migration). */
  prepare(): Promise<void>;
  /** Fills the new columns of every row; returns what the method reports about itself, if anything. */
  run(): Promise<string | null>;
  /** Checks the result, outside the timing; throws when it is wrong. */
  check(): Promise<void>;
  /** Undoes prepare, so the next copy of the table starts from nothing. */
  cleanup(): Promise<void>;
}
