// The business-hours editor on its own (controlled: every edit emits the new week and holidays; the server's
// problems, keyed by JSON pointer, appear at their input, interval, day or list) and inside the calendar form
// against a mocked API: a 400 with pointers is shown at the right inputs, and the fixed calendar is saved.
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h, ref } from 'vue';
import type { Calendar } from '../../api/settings.ts';
import { applySession, resetSession } from '../../composables/useSession.ts';
import { ADMIN, apiError, json, mockFetch } from '../../test/fetch-mock.ts';
import { weekSummary } from './slaText.ts';
import SettingsBusinessHoursEditor, { type BusinessHoursValue } from './SettingsBusinessHoursEditor.vue';
import SettingsCalendarForm from './SettingsCalendarForm.vue';

const office = (): BusinessHoursValue => ({
  weeklyHours: { mon: [['09:00', '12:00'], ['13:00', '17:00']], tue: [['09:00', '17:00']], sat: [] },
  holidays: ['2026-12-25'],
});

/** The editor with v-model bound to a ref, so emitted values flow back like in a form. */
function mountEditor(initial = office(), errors: Record<string, string> = {}) {
  const model = ref<BusinessHoursValue>(initial);
  const errs = ref(errors);
  const Host = defineComponent({
    setup: () => () => h(SettingsBusinessHoursEditor, { modelValue: model.value, 'onUpdate:modelValue': (v: BusinessHoursValue) => (model.value = v), errors: errs.value, idPrefix: 't' }),
  });
  const wrapper = mount(Host, { attachTo: document.body });
  return { wrapper, model, errs };
}

let mounted: VueWrapper | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
  vi.unstubAllGlobals();
  resetSession();
});

describe('SettingsBusinessHoursEditor', () => {
  it('shows each weekday with its intervals; missing and empty days are closed', () => {
    const { wrapper } = mountEditor();
    mounted = wrapper;
    const days = wrapper.findAll('.bh-day');
    expect(days.map((d) => d.attributes('data-day'))).toEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
    const mon = wrapper.get('[data-day="mon"]');
    expect(mon.findAll('input.mono').map((i) => (i.element as HTMLInputElement).value)).toEqual(['09:00', '12:00', '13:00', '17:00']);
    expect((mon.get('[data-testid="bh-open-mon"]').element as HTMLInputElement).checked).toBe(true);
    expect(wrapper.get('[data-day="wed"]').text()).toContain('Closed');
    expect((wrapper.get('[data-testid="bh-open-sat"]').element as HTMLInputElement).checked).toBe(false);
    // Every time input has a label naming the day, the interval and the side.
    expect(wrapper.get('label[for="t-mon-1-0"]').text()).toBe('Monday hours 2 start');
    expect(wrapper.text()).toContain('2 open days a week');
  });

  it('opens and closes days, edits times, adds and removes intervals', async () => {
    const { wrapper, model } = mountEditor();
    mounted = wrapper;
    await wrapper.get('[data-testid="bh-open-sat"]').setValue(true);
    expect(model.value.weeklyHours.sat).toEqual([['09:00', '17:00']]);

    await wrapper.get('#t-tue-0-1').setValue('18:30');
    expect(model.value.weeklyHours.tue).toEqual([['09:00', '18:30']]);

    await wrapper.get('button[aria-label="Add hours on Tuesday"]').trigger('click');
    expect(model.value.weeklyHours.tue).toEqual([['09:00', '18:30'], ['18:30', '24:00']]);

    await wrapper.get('button[aria-label="Remove Monday hours 1"]').trigger('click');
    expect(model.value.weeklyHours.mon).toEqual([['13:00', '17:00']]);

    await wrapper.get('[data-testid="bh-open-mon"]').setValue(false);
    expect(model.value.weeklyHours.mon).toEqual([]);
    // Untouched days keep their hours; holidays are carried along.
    expect(model.value.weeklyHours.sat).toEqual([['09:00', '17:00']]);
    expect(model.value.holidays).toEqual(['2026-12-25']);
  });

  it('copies Monday to Tuesday–Friday', async () => {
    const { wrapper, model } = mountEditor();
    mounted = wrapper;
    await wrapper.get('.bh-week-actions button').trigger('click');
    for (const d of ['tue', 'wed', 'thu', 'fri'] as const) expect(model.value.weeklyHours[d]).toEqual([['09:00', '12:00'], ['13:00', '17:00']]);
    expect(weekSummary(model.value.weeklyHours)).toBe('Mon–Fri 09:00–12:00, 13:00–17:00');
  });

  it('adds days off in order, refuses a duplicate and removes one', async () => {
    const { wrapper, model } = mountEditor();
    mounted = wrapper;
    await wrapper.get('#t-new-holiday').setValue('2026-12-24');
    await wrapper.get('[data-testid="bh-add-holiday"]').trigger('click');
    expect(model.value.holidays).toEqual(['2026-12-24', '2026-12-25']);
    await wrapper.get('#t-new-holiday').setValue('2026-12-25');
    await wrapper.get('[data-testid="bh-add-holiday"]').trigger('click');
    expect(model.value.holidays).toEqual(['2026-12-24', '2026-12-25']);
    expect(wrapper.get('.bh-holiday-add [role="alert"]').text()).toContain('is already a day off');
    await wrapper.get('button[aria-label="Remove day off 2026-12-24"]').trigger('click');
    expect(model.value.holidays).toEqual(['2026-12-25']);
  });

  it('shows the server’s problems at their input, interval, day and list', async () => {
    const { wrapper } = mountEditor(office(), {
      '/weeklyHours/mon/1/1': '/weeklyHours/mon/1/1: end 09:00 must be after start 13:00 (intervals cannot cross midnight: split them, ending the first at "24:00")',
      '/weeklyHours/mon/0/0': '/weeklyHours/mon/0/0: must be a time "HH:MM" from 00:00 to 23:59',
      '/weeklyHours/tue/0': '/weeklyHours/tue/0: overlaps interval 1 of the same day',
      '/holidays/0': '/holidays/0: must be a real date "YYYY-MM-DD"',
    });
    mounted = wrapper;
    const end = wrapper.get('#t-mon-1-1');
    expect(end.attributes('aria-invalid')).toBe('true');
    expect(wrapper.get(`#${end.attributes('aria-describedby')}`).text()).toBe('end 09:00 must be after start 13:00 (intervals cannot cross midnight: split them, ending the first at "24:00")');
    expect(wrapper.get('#t-mon-0-0').attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('#t-mon-0-1').attributes('aria-invalid')).toBeUndefined();
    expect(wrapper.get('#t-mon-1-0').attributes('aria-invalid')).toBeUndefined();
    expect(wrapper.get('[data-day="tue"] .bh-day-errors').text()).toBe('Hours 1: overlaps interval 1 of the same day');
    expect(wrapper.get('[data-testid="bh-holidays"] li').text()).toContain('must be a real date');
  });

  it('shows a whole-week problem above the days', () => {
    const { wrapper } = mountEditor({ weeklyHours: {}, holidays: [] }, { '/weeklyHours': '/weeklyHours: the calendar is never open: give at least one day an interval' });
    mounted = wrapper;
    expect(wrapper.get('[data-testid="bh-week-error"]').text()).toBe('the calendar is never open: give at least one day an interval');
    expect(wrapper.text()).toContain('0 open days a week');
  });
});

describe('SettingsCalendarForm: server validation then a fix', () => {
  const calendar: Calendar = {
    id: '33333333-3333-4333-8333-333333333333',
    organisationId: 'org-1',
    name: 'Berlin office',
    timezone: 'Europe/Berlin',
    weeklyHours: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']] },
    holidays: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };

  it('puts each pointer at its field, focuses the first, and saves once fixed', async () => {
    applySession({ ...ADMIN, permissions: [...ADMIN.permissions, 'sla.read', 'sla.write'] });
    const calls = mockFetch((call) => {
      const body = call.body as { weeklyHours: Record<string, [string, string][]>; timezone: string };
      const mon = body.weeklyHours.mon?.[0];
      if (mon && mon[1] <= mon[0]) {
        return apiError(400, 'FD_INVALID_INPUT', '/body/weeklyHours/mon/0/1: end 08:00 must be after start 09:00 (and 1 more problem)', [
          { path: '/body/weeklyHours/mon/0/1', message: '/body/weeklyHours/mon/0/1: end 08:00 must be after start 09:00 (intervals cannot cross midnight)' },
          { path: '/body/timezone', message: `/body/timezone: "${body.timezone}" is not a known IANA time zone` },
        ]);
      }
      return json(200, { calendar: { ...calendar, ...(call.body as object), updatedAt: new Date().toISOString() } });
    });
    const saved = vi.fn();
    const wrapper = mount(SettingsCalendarForm, { props: { calendar, onSaved: saved }, attachTo: document.body });
    mounted = wrapper;
    await flushPromises();

    await wrapper.get('#cal-33333333-mon-0-1').setValue('08:00');
    await wrapper.get('#cal-33333333-zone').setValue('Europe/Atlantis');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(calls[0]).toMatchObject({ method: 'PUT', url: `/api/calendars/${calendar.id}`, headers: { 'x-csrf-token': 'csrf-admin' } });
    expect(wrapper.get('#cal-33333333-zone-error').text()).toBe('"Europe/Atlantis" is not a known IANA time zone.');
    const end = wrapper.get('#cal-33333333-mon-0-1');
    expect(end.attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('#cal-33333333-mon-0-1-error').text()).toBe('end 08:00 must be after start 09:00 (intervals cannot cross midnight)');
    expect(wrapper.get('[data-testid="calendar-form-error"]').text()).toBe('The calendar was not saved: 2 problems are marked below.');
    // Focus goes to the first marked field (the time zone comes before the week in the form).
    expect(document.activeElement?.id).toBe('cal-33333333-zone');
    expect(saved).not.toHaveBeenCalled();

    await wrapper.get('#cal-33333333-zone').setValue('Europe/Berlin');
    await wrapper.get('#cal-33333333-mon-0-1').setValue('18:00');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(calls[1]!.body).toEqual({ name: 'Berlin office', timezone: 'Europe/Berlin', weeklyHours: { mon: [['09:00', '18:00']], tue: [['09:00', '17:00']], wed: [], thu: [], fri: [], sat: [], sun: [] }, holidays: [] });
    expect(saved).toHaveBeenCalledOnce();
    expect(wrapper.find('[aria-invalid="true"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="calendar-form-error"]').exists()).toBe(false);
  });
});
