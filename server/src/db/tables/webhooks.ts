// Kysely types of the webhook tables (migration 0006_webhooks).
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Json, NullableTimestamp, Timestamp } from '../column-types.ts';

export interface WebhookSourcesTable {
  id: Generated<string>;
  organisation_id: string;
  name: string;
  /** Stored as given (encryption at rest comes with the security issue). */
  secret: string;
  mapping: Json<unknown>;
  active: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookReceiptsTable {
  id: Generated<string>;
  source_id: string;
  nonce: string;
  signature: string;
  ticket_id: string | null;
  message_id: string | null;
  received_at: Timestamp;
}

export interface WebhookTicketRefsTable {
  source_id: string;
  external_id: string;
  ticket_id: string;
  created_at: Timestamp;
}

export type WebhookEndpointKind = 'generic' | 'slack' | 'teams';
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookEndpointsTable {
  id: Generated<string>;
  organisation_id: string;
  url: string;
  kind: WebhookEndpointKind;
  secret: string;
  events: ColumnType<string[], string[], string[]>;
  active: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookDeliveriesTable {
  id: Generated<string>;
  endpoint_id: string;
  event: string;
  payload: Json<unknown>;
  status: Generated<WebhookDeliveryStatus>;
  attempts: Generated<number>;
  last_status: number | null;
  last_error: string | null;
  created_at: Timestamp;
  delivered_at: NullableTimestamp;
}

export interface WebhookTables {
  webhook_sources: WebhookSourcesTable;
  webhook_receipts: WebhookReceiptsTable;
  webhook_ticket_refs: WebhookTicketRefsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

export type WebhookSource = Selectable<WebhookSourcesTable>;
export type WebhookEndpoint = Selectable<WebhookEndpointsTable>;
export type WebhookDelivery = Selectable<WebhookDeliveriesTable>;
