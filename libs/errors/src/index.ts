export * from './problem.exception';
export * from './validation';
export * from './problem-exception.filter';
