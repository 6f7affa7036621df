// Names for the ids a listing carries (a reward request names its promotion and reward by id only): one read of each
// promotion and of its attached rewards, remembered while the page is open.
import { useEffect, useRef, useState } from "preact/hooks";

/** {eventId: {name, rewards: {rewardId: name}}} for the promotions of `eventIds`, filled in as the reads answer. */
export function usePromotionNames(api, eventIds) {
  const [names, setNames] = useState({});
  const asked = useRef(new Set());
  const wanted = [...new Set(eventIds)].sort();
  useEffect(() => {
    for (const id of wanted) {
      if (asked.current.has(id)) continue;
      asked.current.add(id);
      const path = `/events/${encodeURIComponent(id)}`;
      Promise.all([api.get(path), api.get(`${path}/rewards`, { limit: 100 })])
        .then(([event, attached]) => {
          const rewards = {};
          for (const r of (attached && attached.items) || []) if (r.reward && r.reward.name) rewards[r.rewardId] = r.reward.name;
          setNames((known) => ({ ...known, [id]: { name: event && event.name, rewards } }));
        })
        .catch(() => {}); // the ids stay shown: a name helps the reader, no decision depends on it
    }
  }, [wanted.join(",")]);
  return names;
}
