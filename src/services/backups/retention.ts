// Grandfather-father-son retention: of the backups a schedule produced, keep the newest
// of each of the last N days, N ISO weeks and N months that have one. A backup can be
// kept for several reasons at once; anything kept for none expires.

export interface RetentionRule {
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
}

const dayKey = (date: Date) => date.toISOString().slice(0, 10);
const monthKey = (date: Date) => date.toISOString().slice(0, 7);

/** ISO 8601 week ("2026-W48"): weeks start on Monday, week 1 holds the year's first Thursday. */
export function isoWeekKey(date: Date): string {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday); // the Thursday of this week names its year
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** Ids of the backups to keep. */
export function backupsToKeep<B extends { id: string; createdAt: Date }>(
  backups: readonly B[],
  rule: RetentionRule,
): Set<string> {
  const newestFirst = [...backups].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const keep = new Set<string>();
  const tiers: Array<[number, (date: Date) => string]> = [
    [rule.keepDaily, dayKey],
    [rule.keepWeekly, isoWeekKey],
    [rule.keepMonthly, monthKey],
  ];
  for (const [count, bucketOf] of tiers) {
    const buckets = new Set<string>();
    for (const backup of newestFirst) {
      if (buckets.size >= count) break;
      const bucket = bucketOf(backup.createdAt);
      if (buckets.has(bucket)) continue;
      buckets.add(bucket);
      keep.add(backup.id);
    }
  }
  return keep;
}
