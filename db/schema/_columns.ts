import { sql } from 'drizzle-orm';
import { timestamp, uuid } from 'drizzle-orm/pg-core';

/** Every timestamp carries its time zone. */
export const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Primary key generated in the database, so an insert never needs an id from the caller. */
export const id = () => uuid('id').primaryKey().default(sql`gen_random_uuid()`);

export const timestamps = {
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at')
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
};

/**
 * The timestamps of a table listed page by page on (created_at, id): created_at to the millisecond, the
 * precision of the cursor a client gets back (a JavaScript Date), so no row falls between two pages.
 */
export const pagedTimestamps = {
  ...timestamps,
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
};
