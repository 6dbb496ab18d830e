import { describe, expect, it } from 'vitest';
import { insertSyntheticTrajectories } from '../src/modules/demo/demo-data.service';
import { addYouth, youthsToAdd } from './helpers/statistics-attacks/added-youths';
import { closeWorldAfterEach, REGISTRY_KEY, released, youthsAt } from './helpers/release-model-world';

// The release model (issue #23), continued from statistics-release-model.test.ts: churn postpones
// a release and tells the privacy officer; the release history; the calendar. Each test has a
// world of its own.

closeWorldAfterEach();

describe('statistics releases', () => {
  it('postpone a release on churn, tell the privacy officer, and go ahead once acknowledged', async () => {
    const { t, catchUp } = await released({ STATISTICS_CHURN_THRESHOLD: '3', METRICS_ALLOW_FROM: '127.0.0.1' });
    const ids = [];
    for (const youth of youthsAt(3, 'lindehof', 'lindehof-beschermd', 'CHURN', 45))
      ids.push(await addYouth(t.database, REGISTRY_KEY, youth));
    await insertSyntheticTrajectories(t.database, REGISTRY_KEY, youthsToAdd(70, { seed: 46, asOf: '2026-06-30', label: 'ARRIVE' }));
    await t.database.query('delete from trajectories where id = any($1::uuid[])', [ids]);
    await catchUp();
    const postponed = await t.app.statisticsReleases.release();
    expect(postponed!.outcome).toBe('postponed');
    expect(postponed!.churn.lindehof).toEqual({ erasures: 3, young: 3 });
    await t.app.auditLog.settle();
    const { rows } = await t.database.query<{ outcome: string; details: { release: number } }>(
      `select outcome, details from audit_events where resource_type = 'statistics_release' order by chain_position desc limit 1`,
    );
    expect(rows[0]).toMatchObject({ outcome: 'refused', details: { release: postponed!.id } });
    const metrics = await t.app.inject({ url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/registry_statistics_churn_erasures\{institution="lindehof",kind="young"\} 3/);
    expect(metrics.body).toMatch(/registry_statistics_release_attempts_total\{outcome="postponed"\} 1/);
    // The privacy officer looked: an administrator releases with the churn acknowledged.
    const admin = (await t.authorization('admin')).authorization;
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/statistics/releases',
      headers: { authorization: admin },
      payload: {},
    });
    expect(refused.json().outcome).toBe('postponed');
    const acknowledged = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/statistics/releases',
      headers: { authorization: admin },
      payload: { acknowledgeChurn: true },
    });
    expect(acknowledged.statusCode, acknowledged.body).toBe(200);
    expect(acknowledged.json().outcome).toBe('published');
  });

  it('keep a history everyone reading statistics can cite, with the counts behind the rule for the administrator and auditor only', async () => {
    const { t, funder } = await released({ STATISTICS_RELEASE_AUDIT: 'on' });
    const history = await t.app.inject({ url: '/api/v1/statistics/releases', headers: { authorization: funder } });
    expect(history.statusCode).toBe(200);
    const [latest] = history.json().releases;
    expect(latest).toMatchObject({ outcome: 'published', trigger: 'operator', released: expect.arrayContaining(['membership']) });
    expect(latest.families).toBeUndefined();
    expect(latest.churn).toBeUndefined();
    const auditor = (await t.authorization('auditor')).authorization;
    const full = (await t.app.inject({ url: '/api/v1/statistics/releases', headers: { authorization: auditor } })).json().releases[0];
    expect(full.families.membership.released).toBe(true);
    expect(full.audit.cells).toBeGreaterThan(100);
    const run = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/statistics/releases',
      headers: { authorization: funder },
      payload: {},
    });
    expect(run.statusCode).toBe(403);
  });

  it('come on the calendar: one attempt per period, whether or not it publishes', async () => {
    const { t } = await released({ STATISTICS_RELEASE_CALENDAR: 'monthly' });
    const december = new Date('2026-12-06T10:00:00Z');
    const first = await t.app.statisticsReleases.releaseIfDue(december);
    expect(first).toMatchObject({ trigger: 'calendar', period: '2026-12', outcome: 'unchanged' });
    expect(await t.app.statisticsReleases.releaseIfDue(new Date('2026-12-20T10:00:00Z'))).toBeNull();
    expect(await t.app.statisticsReleases.releaseIfDue(new Date('2027-01-01T00:10:00Z'))).toMatchObject({ period: '2027-01' });
  });
});
