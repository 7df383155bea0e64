import type { Db } from 'pg-boss';
import type { NotifyListener } from '../shared/postgres/notify-listener.js';

/** pg-boss's `listen` (its `db` option's), through the transport's one LISTEN connection. */
export function listenThrough(listener: NotifyListener): NonNullable<Db['listen']> {
  return async (channel, onNotification, onReconnect) => {
    await listener.listen(channel, onNotification);
    const stop = listener.onReconnect(onReconnect);
    onReconnect();
    return {
      close: async () => {
        stop();
        await listener.unlisten(channel);
      },
    };
  };
}
