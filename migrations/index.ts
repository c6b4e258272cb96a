import type { Knex } from 'knex'
import * as engine from './001_engine.js'
import * as org from './002_org.js'
import * as cases from './003_cases.js'
import * as casesFlow from './004_cases_flow.js'
import * as metrics from './005_metrics.js'
import * as metricsCover from './005_metrics_cover.js'
import * as taskLists from './006_task_lists.js'
import * as caseSearch from './007_case_search.js'
import * as caseText from './008_case_text.js'
import * as incidents from './009_incidents.js'
import * as idempotency from './010_idempotency.js'
import * as tokenRevocation from './011_token_revocation.js'
import * as evaluationExpiry from './012_evaluation_expiry.js'
import * as assessment from './013_assessment.js'
import * as bulletin from './014_bulletin.js'
import * as outboxDuplicates from './016_outbox_duplicates.js'
import * as open311 from './017_open311.js'
import * as resources from './018_resources.js'
import * as attachments from './020_attachments.js'
import * as notificationReads from './022_notification_reads.js'
import * as externalTasks from './024_external_tasks.js'
import * as casesSourceIndex from './025_cases_source_index.js'
import * as unreadCaseIndexes from './026_unread_case_indexes.js'
import * as casesTownship from './028_cases_township.js'
import * as unusedIndexes from './029_unused_indexes.js'
import * as incidentMessages from './030_incident_messages.js'
import * as scoringItemNames from './031_scoring_item_names.js'
import * as deadlineRepair from './032_deadline_repair.js'
import * as taskFormVersion from './033_task_form_version.js'
import * as categoryChanges from './034_category_changes.js'
import * as orgChanges from './035_org_changes.js'
import * as userChanges from './036_user_changes.js'
import * as caseAddressText from './037_case_address_text.js'
import * as processWithdrawals from './038_process_withdrawals.js'

/**
 * Migrations are listed here rather than discovered on disk, so the same code runs from
 * TypeScript sources (tests, tsx) and from the compiled `dist/` without a loader.
 * Append new ones at the end; never edit one that has shipped.
 */
const migrations: Record<string, Knex.Migration> = {
  '001_engine': engine,
  '002_org': org,
  '003_cases': cases,
  '004_cases_flow': casesFlow,
  '005_metrics': metrics,
  '005_metrics_cover': metricsCover,
  '006_task_lists': taskLists,
  '007_case_search': caseSearch,
  '008_case_text': caseText,
  '009_incidents': incidents,
  '010_idempotency': idempotency,
  '011_token_revocation': tokenRevocation,
  '012_evaluation_expiry': evaluationExpiry,
  '013_assessment': assessment,
  '014_bulletin': bulletin,
  '016_outbox_duplicates': outboxDuplicates,
  '017_open311': open311,
  '018_resources': resources,
  '020_attachments': attachments,
  '022_notification_reads': notificationReads,
  '024_external_tasks': externalTasks,
  '025_cases_source_index': casesSourceIndex,
  '026_unread_case_indexes': unreadCaseIndexes,
  '028_cases_township': casesTownship,
  '029_unused_indexes': unusedIndexes,
  '030_incident_messages': incidentMessages,
  '031_scoring_item_names': scoringItemNames,
  '032_deadline_repair': deadlineRepair,
  '033_task_form_version': taskFormVersion,
  '034_category_changes': categoryChanges,
  '035_org_changes': orgChanges,
  '036_user_changes': userChanges,
  '037_case_address_text': caseAddressText,
  '038_process_withdrawals': processWithdrawals,
}

export const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return Object.keys(migrations)
  },
  getMigrationName(name) {
    return name
  },
  async getMigration(name) {
    return migrations[name]
  },
}
