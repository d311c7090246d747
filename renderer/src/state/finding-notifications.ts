import { useEffect, useRef, useState } from 'react';
import { findingKey, newErrorFindings } from '../../../shared/health/findings.js';
import { api } from '../api/client.js';
import { useDataVersion } from './filter.js';

/*
 * A notification when new reports bring a new error-level finding: the
 * desktop app shows it as a native notification (Electron passes the web
 * Notification API to the system's). Checked after every import from this
 * window and every few minutes, for mailbox syncs that run in the backend.
 * The first check only learns what is already known: opening the app never
 * notifies of old news.
 */

const SETTING_KEY = 'tlsrpt-viewer.notify-errors';
/** Syncs run in the backend on their own; checking every few minutes costs one cached call. */
const CHECK_EVERY_MS = 5 * 60_000;

export function notificationsWanted(): boolean {
  return localStorage.getItem(SETTING_KEY) !== 'off';
}

/** The setting, stored in this window's local storage: on unless turned off. */
export function useNotificationSetting(): [boolean, (on: boolean) => void] {
  const [on, setOn] = useState(notificationsWanted);
  const set = (next: boolean): void => {
    localStorage.setItem(SETTING_KEY, next ? 'on' : 'off');
    setOn(next);
    if (next && typeof Notification !== 'undefined' && Notification.permission === 'default') {
      void Notification.requestPermission();
    }
  };
  return [on, set];
}

export function useFindingNotifications(): void {
  const dataVersion = useDataVersion();
  const known = useRef<Set<string> | null>(null);
  useEffect(() => {
    let cancelled = false;
    const check = async (): Promise<void> => {
      const { findings } = await api.call('findings', {});
      if (cancelled) return;
      const errors = known.current === null ? [] : newErrorFindings(known.current, findings);
      known.current = new Set(findings.filter((finding) => finding.severity === 'error').map(findingKey));
      if (errors.length === 0 || !notificationsWanted() || typeof Notification === 'undefined') return;
      if (Notification.permission !== 'granted') return;
      const [first] = errors;
      if (!first) return;
      new Notification(errors.length === 1 ? `TLS failing for ${first.domain}` : `${errors.length} new TLS errors`, {
        body: first.message,
        tag: 'tlsrpt-new-errors',
      });
    };
    void check().catch(() => undefined);
    const timer = setInterval(() => void check().catch(() => undefined), CHECK_EVERY_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [dataVersion]);
}
