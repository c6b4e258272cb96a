/**
 * Process variables only the platform's own steps write (intake, the `case.*` handlers, the
 * routes that act for a verified person). The rates that assess townships and departments are
 * computed from what these drive, so nothing a person sends may set them: not task data (a form
 * declaring one is refused), not the variables of `POST …/start`, `/api/messages` or
 * `/api/signals`. Grouped by what they decide; see src/cases/README.md for each one's meaning.
 */
export const PLATFORM_VARIABLES: readonly string[] = [
  // case identity and tenant
  'caseId',
  'caseNo',
  'tenant',
  'category',
  'regionCode',
  'channel',
  'urgency',
  'procedure',
  'switchedFrom',
  'switchedTo',
  // routing: who owns the case, at which level
  'level',
  'ownerUnit',
  'needsDispatch',
  'nextLevel',
  'escalateCentre',
  'atTop',
  // candidate groups: who receives each task
  'handlerGroup',
  'dispatcherGroup',
  'coordinatorGroup',
  'leaderGroup',
  'callbackGroup',
  'supervisorGroup',
  'gridGroup',
  'leadGroup',
  'escalateGroup',
  // deadlines and supervision
  'responseLimit',
  'resolveLimit',
  'responseDue',
  'resolveDue',
  'followUpCycle',
  'evaluationDue',
  'overdue',
  // assessment: rounds of handling and where an evaluation came from
  'handlingRounds',
  'rehandle',
  'evaluationSource',
  // an extension: who asked, on which task (the approval acts on that task), for how many days
  // (the route's bounds), and the approver's decision (the shipped approval form's field only)
  'extensionRequestedBy',
  'extensionTaskId',
  'extensionDays',
  'extensionDecision',
  // the return (退单) awaiting the dispatcher's review: which row, by whom, from which step
  'returnId',
  'returnedUnit',
  'returnedBy',
  'returnedReason',
  'returnStage',
  // 加派: the co-organisers added to a running joint case (checked by the route and the handler)
  'addedCoUnits',
]

/**
 * The citizen's answer. The evaluation form declares these (the platform's own step), but no
 * start, message or signal may set them, and no diagram a county deploys may declare them.
 */
export const ASSESSMENT_VARIABLES: readonly string[] = ['satisfaction', 'resolved']

/**
 * People's choices asked by a step's form: the dispatcher's verdict on a return (退单, which sends
 * the case back to the unit or on) and the level a handler asks to escalate to. Recorded as that
 * person's decision, so no one else sets them: not an administrator's message (the engine API's
 * messages are sent by administrators, who are neither), start or signal. The shipped dispatch
 * and handling forms declare them (a county's form may reword those fields only). Their reasons
 * go with them: the return's record and the escalation's event quote them as that person's words.
 */
export const FORM_CHOICES: readonly string[] = ['returnDecision', 'returnDecisionReason', 'escalateLevel', 'escalateReason']
