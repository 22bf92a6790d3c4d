import { nodeCatalog } from '@flowdesk/schema';
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch } from '../../test/fetch-mock.ts';
import DurationInput from './DurationInput.vue';
import SchemaForm from './SchemaForm.vue';
import { businessHoursHint, describeIso, formatIso, parseDuration, resetCalendarNames } from './duration.ts';

describe('duration model (ISO 8601 <-> number + unit)', () => {
  it('picks the largest unit that holds the value exactly', () => {
    expect(parseDuration('PT90M')).toEqual({ amount: 90, unit: 'minutes' });
    expect(parseDuration('PT1H30M')).toEqual({ amount: 90, unit: 'minutes' });
    expect(parseDuration('PT2H')).toEqual({ amount: 2, unit: 'hours' });
    expect(parseDuration('P1DT2H')).toEqual({ amount: 26, unit: 'hours' });
    expect(parseDuration('P14D')).toEqual({ amount: 2, unit: 'weeks' });
    expect(parseDuration('P2W')).toEqual({ amount: 2, unit: 'weeks' });
    expect(parseDuration('P3D')).toEqual({ amount: 3, unit: 'days' });
  });

  it('round-trips: PT90M is 90 minutes, written back as PT1H30M, read as "1 hour 30 minutes"', () => {
    const parts = parseDuration('PT90M')!;
    const iso = formatIso(parts.amount, parts.unit);
    expect(iso).toBe('PT1H30M');
    expect(parseDuration(iso)).toEqual(parts);
    expect(describeIso('PT90M')).toBe('1 hour 30 minutes');
    for (const text of ['PT30M', 'PT4H', 'P1D', 'P5D', 'P2W', 'P1DT2H', 'PT25H']) {
      const p = parseDuration(text)!;
      expect(parseDuration(formatIso(p.amount, p.unit))).toEqual(p);
    }
    expect(formatIso(1.5, 'hours')).toBe('PT1H30M');
  });

  it('refuses what the picker cannot show or the schema rejects', () => {
    expect(parseDuration('three days')).toBeNull();
    expect(parseDuration('P1M')).toBeNull(); // months have no fixed length
    expect(parseDuration('PT45S')).toBeNull(); // seconds: edited as ISO text
    expect(parseDuration('PT0S')).toBeNull();
    expect(parseDuration(undefined)).toBeNull();
    expect(formatIso(0, 'hours')).toBeNull();
    expect(formatIso(-2, 'days')).toBeNull();
    expect(formatIso(Number.NaN, 'days')).toBeNull();
    expect(describeIso('soon')).toBeNull();
  });
});

describe('DurationInput', () => {
  it('shows PT90M as 90 minutes with the ISO value and its meaning', () => {
    const w = mount(DurationInput, { props: { modelValue: 'PT90M', label: 'Duration' } });
    expect((w.find('input[type="number"]').element as HTMLInputElement).value).toBe('90');
    expect((w.find('select').element as HTMLSelectElement).value).toBe('minutes');
    expect(w.find('[data-testid="duration-iso"]').text()).toBe('PT90M');
    expect(w.find('[data-testid="duration-words"]').text()).toBe('= 1 hour 30 minutes');
  });

  it('emits ISO values when the number or unit changes, and nothing for invalid amounts', async () => {
    const w = mount(DurationInput, { props: { modelValue: 'PT2H' } });
    await w.find('select').setValue('days');
    expect(w.emitted('update:modelValue')!.at(-1)).toEqual(['P2D']);
    await w.find('input[type="number"]').setValue('90');
    await w.find('select').setValue('minutes');
    expect(w.emitted('update:modelValue')!.at(-1)).toEqual(['PT1H30M']);
    const count = w.emitted('update:modelValue')!.length;
    await w.find('input[type="number"]').setValue('-3');
    expect(w.emitted('update:modelValue')!.length).toBe(count);
    expect(w.find('[role="alert"]').text()).toBe('Enter a number greater than 0.');
    await w.find('input[type="number"]').setValue('');
    expect(w.emitted('update:modelValue')!.at(-1)).toEqual([undefined]);
  });

  it('edits values the units cannot hold as ISO text, with the error it is given', async () => {
    const w = mount(DurationInput, { props: { modelValue: 'three days', error: 'must match format "iso-duration"' } });
    const iso = w.find('input.duration-iso-text');
    expect((iso.element as HTMLInputElement).value).toBe('three days');
    expect(w.find('[role="alert"]').text()).toContain('iso-duration');
    await iso.setValue('P3D');
    expect(w.emitted('update:modelValue')!.at(-1)).toEqual(['P3D']);
    await w.setProps({ modelValue: 'P3D', error: undefined });
    await w.find('button.link-btn').trigger('click');
    expect((w.find('input[type="number"]').element as HTMLInputElement).value).toBe('3');
    expect((w.find('select').element as HTMLSelectElement).value).toBe('days');
  });
});

describe('the duration picker inside generated forms', () => {
  async function mounted(kind: keyof typeof nodeCatalog, data: unknown) {
    const wrapper = mount(SchemaForm, { props: { schema: nodeCatalog[kind].paramsSchema, modelValue: data }, attachTo: document.body });
    await vi.waitFor(async () => {
      await flushPromises();
      expect(wrapper.find('.form-loading').exists()).toBe(false);
      expect(wrapper.find('[data-testid="duration-input"]').exists()).toBe(true);
    }, { timeout: 15_000 });
    return wrapper;
  }

  it('renders the wait duration as a picker and writes ISO back into the params', async () => {
    const w = await mounted('wait', { duration: 'PT1H' });
    const picker = w.find('[data-testid="duration-input"]');
    expect((picker.find('input[type="number"]').element as HTMLInputElement).value).toBe('1');
    await picker.find('select').setValue('days');
    await flushPromises();
    expect(w.emitted('update:modelValue')!.at(-1)![0]).toEqual({ duration: 'P1D' });
    w.unmount();
  });

  it('renders escalation timers (array items) as pickers too', async () => {
    const w = await mounted('approval', { title: 'x', approvers: [{ type: 'role', role: 'manager' }], escalations: [{ outcome: 'late', after: 'PT4H' }] });
    const picker = w.find('[data-testid="duration-input"]');
    expect((picker.find('input[type="number"]').element as HTMLInputElement).value).toBe('4');
    expect((picker.find('select').element as HTMLSelectElement).value).toBe('hours');
    w.unmount();
  });

  it('shows the schema message for a value that is not a duration', async () => {
    const w = await mounted('wait', { duration: 'three days' });
    await vi.waitFor(() => expect(w.text()).toMatch(/must match format "iso-duration"/));
    expect((w.find('input.duration-iso-text').element as HTMLInputElement).value).toBe('three days');
    w.unmount();
  });
});

describe('business hours on durations', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    resetCalendarNames();
  });

  it('the picker offers "in business hours" only when asked, and says which calendar applies', async () => {
    expect(mount(DurationInput, { props: { modelValue: 'PT2H' } }).find('[data-testid="business-hours"]').exists()).toBe(false);

    const w = mount(DurationInput, { props: { modelValue: 'PT2H', businessHoursOption: true, calendars: ['Berlin office', 'Weekend desk'] } });
    const box = w.find<HTMLInputElement>('input[data-testid="business-hours"]');
    expect(box.element.checked).toBe(false);
    expect(w.find('label.duration-check').text()).toBe('in business hours');
    expect(w.find('[data-testid="business-hours-hint"]').exists()).toBe(false);
    await box.setValue(true);
    expect(w.emitted('update:businessHours')!.at(-1)).toEqual([true]);

    await w.setProps({ businessHours: true });
    const select = w.find<HTMLSelectElement>('select[data-testid="business-calendar"]');
    expect(select.findAll('option').map((o) => o.text())).toEqual(["The ticket's SLA calendar", 'Berlin office', 'Weekend desk']);
    expect(w.find('[data-testid="business-hours-hint"]').text()).toMatch(/calendar of the ticket's SLA policy.*24\/7/);
    await select.setValue('Weekend desk');
    expect(w.emitted('update:calendar')!.at(-1)).toEqual(['Weekend desk']);
    await w.setProps({ calendar: 'Weekend desk' });
    expect(w.find('[data-testid="business-hours-hint"]').text()).toBe('Counts only the open hours of the calendar “Weekend desk”: nights, weekends and holidays do not count.');
    // The hint is the checkbox's and the select's description for screen readers.
    const hintId = w.find('[data-testid="business-hours-hint"]').attributes('id');
    expect(select.attributes('aria-describedby')).toBe(hintId);

    // Turning it off drops the calendar too.
    await w.find('input[data-testid="business-hours"]').setValue(false);
    expect(w.emitted('update:businessHours')!.at(-1)).toEqual([false]);
    expect(w.emitted('update:calendar')!.at(-1)).toEqual([undefined]);
  });

  it('keeps a calendar name the organisation does not have, marked, and takes typed names when the list is unknown', async () => {
    const w = mount(DurationInput, { props: { modelValue: 'PT2H', businessHoursOption: true, businessHours: true, calendar: 'Gone', calendars: ['Berlin office'] } });
    expect(w.find('select[data-testid="business-calendar"]').findAll('option').map((o) => o.text())).toContain('Gone (not found)');
    expect(w.find('[data-testid="business-hours-hint"]').text()).toMatch(/does not exist \(yet\)/);
    expect(businessHoursHint('Gone', null)).toMatch(/^Counts only the open hours of the calendar “Gone”:/);

    const typed = mount(DurationInput, { props: { modelValue: 'PT2H', businessHoursOption: true, businessHours: true, calendars: null } });
    await typed.find('input[data-testid="business-calendar"]').setValue('Night desk');
    expect(typed.emitted('update:calendar')!.at(-1)).toEqual(['Night desk']);
  });

  async function mounted(kind: keyof typeof nodeCatalog, data: unknown) {
    const wrapper = mount(SchemaForm, { props: { schema: nodeCatalog[kind].paramsSchema, modelValue: data }, attachTo: document.body });
    await vi.waitFor(async () => {
      await flushPromises();
      expect(wrapper.find('[data-testid="duration-input"]').exists()).toBe(true);
    }, { timeout: 15_000 });
    return wrapper;
  }

  it('in a wait node form: the checkbox writes businessHours next to the duration, the calendar list comes from the API', async () => {
    const calls = mockFetch((call) => (call.url === '/api/calendars' ? json(200, { calendars: [{ name: 'Weekend desk' }, { name: 'Berlin office' }] }) : json(404, {})));
    const w = await mounted('wait', { duration: 'PT2H' });
    // The flag and the calendar have no field of their own: they belong to the picker.
    expect(w.findAll('input[type="checkbox"]').length).toBe(1);
    expect(w.text()).not.toMatch(/Business Hours|Calendar/);
    expect(calls).toHaveLength(0); // nothing is loaded until the option is on
    await w.find('input[data-testid="business-hours"]').setValue(true);
    await flushPromises();
    expect(w.emitted('update:modelValue')!.at(-1)![0]).toEqual({ duration: 'PT2H', businessHours: true });
    await w.setProps({ modelValue: { duration: 'PT2H', businessHours: true } });
    await vi.waitFor(() => expect(w.find('select[data-testid="business-calendar"]').exists()).toBe(true));
    expect(calls.map((c) => c.url)).toEqual(['/api/calendars']);
    expect(w.find('select[data-testid="business-calendar"]').findAll('option').map((o) => o.text())).toEqual(["The ticket's SLA calendar", 'Berlin office', 'Weekend desk']);
    await w.find('select[data-testid="business-calendar"]').setValue('Berlin office');
    await flushPromises();
    expect(w.emitted('update:modelValue')!.at(-1)![0]).toEqual({ duration: 'PT2H', businessHours: true, calendar: 'Berlin office' });
    // Off again: both go, the params are as before.
    await w.setProps({ modelValue: { duration: 'PT2H', businessHours: true, calendar: 'Berlin office' } });
    await w.find('input[data-testid="business-hours"]').setValue(false);
    await flushPromises();
    expect(w.emitted('update:modelValue')!.at(-1)![0]).toEqual({ duration: 'PT2H' });
    w.unmount();
  });

  it('in an escalation (array item): the option belongs to that escalation', async () => {
    mockFetch(() => json(200, { calendars: [] }));
    const w = await mounted('approval', { title: 'x', approvers: [{ type: 'role', role: 'manager' }], escalations: [{ outcome: 'late', after: 'PT4H', businessHours: true }] });
    await vi.waitFor(() => expect(w.find('input[data-testid="business-hours"]').exists()).toBe(true));
    expect(w.find<HTMLInputElement>('input[data-testid="business-hours"]').element.checked).toBe(true);
    await w.find('input[data-testid="business-hours"]').setValue(false);
    await flushPromises();
    expect(w.emitted('update:modelValue')!.at(-1)![0]).toMatchObject({ escalations: [{ outcome: 'late', after: 'PT4H' }] });
    expect((w.emitted('update:modelValue')!.at(-1)![0] as { escalations: object[] }).escalations[0]).not.toHaveProperty('businessHours');
    w.unmount();
  });
});
