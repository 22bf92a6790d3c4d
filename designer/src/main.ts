import { createApp } from 'vue';
import App from './App.vue';
import { installSession } from './composables/useSession.ts';
import { router } from './router.ts';
import '@vue-flow/core/dist/style.css';
import '@vue-flow/core/dist/theme-default.css';
import '@vue-flow/controls/dist/style.css';
import '@vue-flow/minimap/dist/style.css';
import './styles/app.css';

// The session guard must be in place before the router's first navigation (app.use starts it), and the
// app mounts once that navigation settled, so the shell never flashes for a signed-out visitor.
installSession(router);
const app = createApp(App).use(router);
void router
  .isReady()
  .catch(() => undefined)
  .then(() => app.mount('#app'));
