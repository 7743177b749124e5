export { checkHealth, type HealthCheckOptions, type HealthReport, type HealthReporter } from './check.js';
export { type HealthHandlerOptions, healthHandler } from './handler.js';
