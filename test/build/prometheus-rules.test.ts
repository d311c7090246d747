// The sample alerting rules (build/prometheus/tlsrpt-alerts.yml): valid YAML
// of Prometheus's rule-file shape, every alert we promise, each expression
// naming only metrics the app exports, and `promtool check rules` passes.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openDatabase } from '../../electron/backend/db/database.js';
import { DomainHealthService } from '../../electron/backend/health/domain-health.js';
import { TlsRptMetrics } from '../../electron/backend/metrics/tlsrpt-metrics.js';
import { repoRoot, useTempDir } from '../helpers/files.js';

const RULES = join(repoRoot, 'build', 'prometheus', 'tlsrpt-alerts.yml');
const tempDir = useTempDir();

interface Rule {
  alert?: unknown;
  expr?: unknown;
  for?: unknown;
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

describe('build/prometheus/tlsrpt-alerts.yml', () => {
  it('is a Prometheus rule file whose alerts name only the metrics the app exports', async () => {
    const document = parse(readFileSync(RULES, 'utf8'), { prettyErrors: true, strict: true }) as {
      groups: { name: string; rules: Rule[] }[];
    };
    expect(Array.isArray(document.groups)).toBe(true);
    const rules = document.groups.flatMap((group) => {
      expect(typeof group.name).toBe('string');
      return group.rules;
    });
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining(['TlsRptDomainErrorFinding', 'TlsRptNoReportFor3Days']),
    );
    const db = openDatabase(join(tempDir(), 'empty.sqlite'));
    const metrics = new TlsRptMetrics({ db, health: new DomainHealthService(db) });
    const exported = new Set(
      (await metrics.registry.getMetricsAsJSON()).flatMap((metric) =>
        String(metric.type) === 'histogram'
          ? [`${metric.name}_bucket`, `${metric.name}_sum`, `${metric.name}_count`]
          : [metric.name],
      ),
    );
    db.close();
    for (const rule of rules) {
      expect(typeof rule.alert).toBe('string');
      expect(typeof rule.expr).toBe('string');
      expect(String(rule.for)).toMatch(/^\d+[smhd]$/);
      expect(typeof rule.annotations?.['summary']).toBe('string');
      const named = String(rule.expr).match(/\btlsrpt_[a-z_]+/g) ?? [];
      expect(named.length).toBeGreaterThan(0);
      for (const name of named) expect(exported, `${String(rule.alert)} names ${name}`).toContain(name);
    }
  });

  it('passes promtool check rules', () => {
    const result = spawnSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(result.error, 'promtool (Debian package prometheus) is installed by test/setup/system-packages.sh').toBe(
      undefined,
    );
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('fires its alerts when, and only when, the series say so (promtool test rules)', () => {
    // build/prometheus/tlsrpt-alerts.test.yml: an error finding for an hour; no report for 3 days.
    const tests = join(repoRoot, 'build', 'prometheus', 'tlsrpt-alerts.test.yml');
    const result = spawnSync('promtool', ['test', 'rules', tests], { encoding: 'utf8' });
    expect(result.error).toBe(undefined);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('SUCCESS');
  });
});
