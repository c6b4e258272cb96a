// @sqlite-only: the saved state is the same text on either database; flows.test drives the steps on PostgreSQL
// The flow tests again with no engine kept in memory: every step recovers from the database.
process.env.FLOWS_ENGINE_CACHE = '0'
await import('./flows.test.js')
