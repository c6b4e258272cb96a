// camunda-external-task-client-js 3 ships no types: the client, its task service and Variables as
// its docs (Client.md, handler.md, Variables.md) describe them, the part test/engine uses.
declare module 'camunda-external-task-client-js' {
  import type { EventEmitter } from 'node:events'

  /** A request as the client hands it to got, before `interceptors` rewrite it. */
  export interface RequestConfig {
    method: string
    headers?: Record<string, string>
    [option: string]: unknown
  }
  export type Interceptor = (config: RequestConfig) => RequestConfig

  export interface ClientOptions {
    baseUrl: string
    workerId?: string
    maxTasks?: number
    maxParallelExecutions?: number
    /** Milliseconds between polls. */
    interval?: number
    lockDuration?: number
    autoPoll?: boolean
    asyncResponseTimeout?: number
    usePriority?: boolean
    interceptors?: Interceptor | Interceptor[]
  }

  export interface SubscribeOptions {
    lockDuration?: number
    /** Only these variables are fetched with the task. */
    variables?: string[]
    businessKey?: string
    processDefinitionKey?: string
    tenantIdIn?: string[]
    withoutTenantId?: boolean
    localVariables?: boolean
  }

  export interface TypedValue {
    type: string
    value: unknown
    valueInfo?: Record<string, unknown>
  }

  export class Variables {
    get(name: string): unknown
    getTyped(name: string): TypedValue | undefined
    getAll(): Record<string, unknown>
    getAllTyped(): Record<string, TypedValue>
    set(name: string, value: unknown): this
    setTyped(name: string, typed: TypedValue): this
    setAll(values: Record<string, unknown>): this
  }

  /** A fetched and locked external task (Camunda's REST answer), its variables read-only. */
  export interface Task {
    id: string
    topicName: string
    workerId: string
    processInstanceId: string
    processDefinitionKey?: string
    activityId: string
    businessKey: string | null
    tenantId: string | null
    retries: number | null
    variables: Variables
  }

  export interface TaskService {
    complete(task: Task | string, processVariables?: Variables, localVariables?: Variables): Promise<void>
    handleFailure(task: Task | string, options: { errorMessage?: string; errorDetails?: string; retries?: number; retryTimeout?: number }): Promise<void>
    handleBpmnError(task: Task | string, errorCode: string, errorMessage?: string, variables?: Variables): Promise<void>
    extendLock(task: Task | string, newDuration: number): Promise<void>
    unlock(task: Task | string): Promise<void>
  }

  export type Handler = (args: { task: Task; taskService: TaskService }) => Promise<void> | void

  export interface TopicSubscription {
    handler: Handler
    lockDuration: number
    variables?: string[]
    unsubscribe(): void
  }

  /** Emits `poll:error`, `complete:error`, `handleFailure:error`, … (Client.md, "Client Events"). */
  export class Client extends EventEmitter {
    constructor(options: ClientOptions)
    subscribe(topic: string, handler: Handler): TopicSubscription
    subscribe(topic: string, options: SubscribeOptions, handler: Handler): TopicSubscription
    start(): void
    stop(): void
  }
}
