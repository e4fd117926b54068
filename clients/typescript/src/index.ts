export { createLeadsBotClient, ok, type ClientOptions, type LeadsBotClient } from './client';
export { LeadsBotProblem, problemFrom, type Problem, type FieldProblem } from './problem';
export { paginate, type Page } from './paging';
export { verifyWebhook, signDelivery, leadsBotSignature, standardSignature, newSecret, WebhookVerificationError, TIMESTAMP_TOLERANCE_SECS, type HeaderBag, type SignInput } from './webhooks';
export { listen, newEvents, newestEventId, type ApiEvent, type ListenOptions } from './listen';
export type { paths, components, operations } from './schema';
