// Ticket statuses as a customer reads them (the server's names are the agents' vocabulary).
const LABELS: Record<string, string> = {
  open: 'Open',
  pending: 'In progress',
  waiting_customer: 'Waiting for your reply',
  on_hold: 'On hold',
  resolved: 'Resolved',
  closed: 'Closed',
  cancelled: 'Cancelled',
};

export function statusLabel(status: string): string {
  return LABELS[status] ?? status.replace(/_/g, ' ');
}

/** A pill class: blue while we work on it, amber when it waits for the customer, green when done. */
export function statusClass(status: string): string {
  if (status === 'waiting_customer') return 'pill-waiting';
  if (status === 'resolved' || status === 'closed') return 'pill-completed';
  if (status === 'cancelled') return 'pill-draft';
  return 'pill-running';
}

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}
