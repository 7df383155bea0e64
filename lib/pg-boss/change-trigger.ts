/**
 * Every change of state of one of our jobs in pg-boss's table but its start
 * (a worker taking it changes neither its progress nor its end, and a
 * running job's progress is announced as it is written) is announced by
 * PostgreSQL itself: a trigger on pg-boss's `job` table sends a NOTIFY of
 * the job's public id on the transport's change channel, inside the very
 * statement that changes it, so the notice goes out when that change
 * commits, whoever made it: pg-boss completing a job after its handler,
 * failing one whose worker died, a worker settling one in the job's own
 * transaction, a cancel. Followers (BossChangeFeed) then never re-read
 * before the change is visible, and no job costs a statement of its own to
 * announce.
 *
 * Installed at start-up, once per schema and version, under an advisory
 * lock so that processes starting together do not race; it only ever
 * replaces its own function, and creates the trigger when it is missing
 * (creating one takes a lock that would briefly hold other workers' writes).
 */
import { JOB_ID_PREFIX } from '../async-job.internal-constants.js';

/** The statement that installs the trigger on `<schema>.job`, announcing on `channel`. */
export function changeTriggerSql(schema: string, channel: string): string {
  const fn = `${schema}.asyncjob_announce_change`;
  return `DO $install$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('nestjs-asyncjob:change-trigger:${schema}'));
  CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $announce$
  BEGIN
    -- Our public id: the caller's key when it chose one, else the library's id of the uuid (see boss-job-id.ts).
    PERFORM pg_notify('${channel}', coalesce(NEW.data->>'key', '${JOB_ID_PREFIX}' || NEW.id::text));
    RETURN NULL;
  END
  $announce$;
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'asyncjob_announce_change' AND tgrelid = '${schema}.job'::regclass) THEN
    CREATE TRIGGER asyncjob_announce_change AFTER UPDATE OF state ON ${schema}.job
      FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state AND NEW.state <> 'active' AND NEW.data ? 'job')
      EXECUTE FUNCTION ${fn}();
  END IF;
END
$install$`;
}
