export const CUSTOM_DECORATOR_EVENT = 'custom-decorator-event';
