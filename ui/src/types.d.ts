declare module 'bpmn-js-properties-panel'
declare module 'camunda-bpmn-js-behaviors/lib/camunda-platform'
