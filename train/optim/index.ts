export { createOptimizer, type Optimizer, type Param } from './optimizers.js';
export { createSchedule, type LrSchedule, type ScheduleShape } from './schedules.js';
