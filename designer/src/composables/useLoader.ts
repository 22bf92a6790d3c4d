// Loading what a page shows: `loading` while the loader runs (true from the start, so the page shows its
// skeleton before the first request), `error` as "Could not load <what>: <reason>" when it fails, and
// `load` to run it again (the pages' "Try again" button).
import { ref, type Ref } from 'vue';
import { failureText } from './useFormErrors.ts';

export interface Loader {
  loading: Ref<boolean>;
  error: Ref<string | null>;
  load: () => Promise<void>;
}

/** `what` completes the sentence "Could not load …", e.g. 'the users' or 'calendars and policies'. */
export function useLoader(what: string, loader: () => Promise<void>): Loader {
  const loading = ref(true);
  const error = ref<string | null>(null);
  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      await loader();
    } catch (err) {
      error.value = `Could not load ${what}: ${failureText(err, 'the server did not answer')}`;
    } finally {
      loading.value = false;
    }
  }
  return { loading, error, load };
}
