import type { InitOptions } from 'i18next'
import { catalogue } from './catalogue.js'

/**
 * How the UI's i18next reads the catalogue (ui/src/lib/i18n.ts adds the reader's language), here
 * so that test/messages/plurals.test.ts checks the server's renderer against the very same set-up.
 * Keys are flat ("error.case.notFound"); values are plain text put into text nodes (no HTML escaping).
 */
export const i18nextOptions = {
  fallbackLng: 'zh-CN',
  resources: { 'zh-CN': { translation: catalogue['zh-CN'] }, en: { translation: catalogue.en } },
  keySeparator: false,
  nsSeparator: false,
  interpolation: { escapeValue: false },
  initAsync: false,
  returnNull: false,
} as const satisfies InitOptions
