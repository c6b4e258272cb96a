/**
 * The message catalogue as shared infrastructure: rendering and key checks for modules that
 * must not depend on the petition domain's modules (the engine). The catalogue itself stays in
 * src/messages (each area, the engine's included, in src/messages/areas/).
 */
export { bilingual, isMessageKey, type MessageKey, type Params } from '../messages/index.js'
export { labelHalves } from '../messages/label.js'
