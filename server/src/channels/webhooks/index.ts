// Webhooks channel: inbound signed JSON -> tickets; outbound signed events and Slack/Teams notifications.
export * from './signature.ts';
export * from './mapping.ts';
export { receiveWebhook, type InboundRequest, type InboundResult } from './inbound.ts';
export * from './outbound.ts';
