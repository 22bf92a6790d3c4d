// App-wide toasts: errors stay until dismissed (they carry what the server said), others fade after 4 s.
// A 403 FD_FORBIDDEN shows the server's message (it names the missing permission). A 401 shows nothing:
// the session ended and the app is already on its way to the login page, which says so.
import { reactive } from 'vue';
import { ApiError } from '../api/client.ts';

export interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  title: string;
  detail?: string;
}

const toasts = reactive<Toast[]>([]);
let nextId = 1;

function dismiss(id: number): void {
  const i = toasts.findIndex((t) => t.id === id);
  if (i >= 0) toasts.splice(i, 1);
}

function push(kind: Toast['kind'], title: string, detail?: string): void {
  const id = nextId++;
  toasts.push({ id, kind, title, ...(detail ? { detail } : {}) });
  if (toasts.length > 5) toasts.shift();
  if (kind !== 'error') setTimeout(() => dismiss(id), 4000);
}

/** A readable sentence for any thrown value; API errors list their first details. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    const details = err.details.slice(0, 3).map((d) => d.message);
    return [err.message, ...details.filter((d) => d !== err.message)].join('\n');
  }
  return err instanceof Error ? err.message : String(err);
}

export function useToasts() {
  return {
    toasts,
    dismiss,
    success: (title: string, detail?: string) => push('success', title, detail),
    info: (title: string, detail?: string) => push('info', title, detail),
    error: (title: string, err?: unknown) => {
      if (err instanceof ApiError && err.status === 401) return;
      push('error', title, err === undefined ? undefined : describeError(err));
    },
  };
}
