// An action that asks first (a ConfirmDialog): `ask(target)` opens the dialog for a target, `confirm` runs
// the action with the dialog busy; on success the dialog closes and a toast says what happened (the text
// the action returns), on failure the dialog stays open with the server's reason in `error`.
import { ref, shallowRef, type Ref, type ShallowRef } from 'vue';
import { failureText } from './useFormErrors.ts';
import { useToasts } from './useToasts.ts';

export interface ConfirmedAction<T> {
  /** What the open dialog is about; null when no dialog is open. */
  pending: ShallowRef<T | null>;
  busy: Ref<boolean>;
  error: Ref<string | null>;
  ask: (target: T) => void;
  cancel: () => void;
  confirm: () => Promise<void>;
}

/** `run` does the action and returns the success toast's title; `fallback` is the error text when the failure has none. */
export function useConfirmedAction<T>(run: (target: T) => Promise<string>, fallback: string): ConfirmedAction<T> {
  const toasts = useToasts();
  const pending = shallowRef<T | null>(null);
  const busy = ref(false);
  const error = ref<string | null>(null);
  function ask(target: T): void {
    error.value = null;
    pending.value = target;
  }
  function cancel(): void {
    pending.value = null;
  }
  async function confirm(): Promise<void> {
    const target = pending.value;
    if (target === null || busy.value) return;
    busy.value = true;
    error.value = null;
    try {
      const done = await run(target);
      toasts.success(done);
      pending.value = null;
    } catch (err) {
      error.value = failureText(err, fallback);
    } finally {
      busy.value = false;
    }
  }
  return { pending, busy, error, ask, cancel, confirm };
}
