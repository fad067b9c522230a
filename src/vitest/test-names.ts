import type { TestProject, Vitest } from 'vitest/node'

/**
 * The project name a test's report name starts with, or undefined. Only in configs with
 * `test.projects`: two projects may run the same file (node and jsdom, say), and their tests must
 * not share one name, hence one history entry. Decided from the config, not from the projects
 * this run selected, so `--project` filters keep the names of a full run.
 */
export function reportedProjectName(vitest: Vitest, project: TestProject): string | undefined {
  const projects = (vitest.config as { projects?: unknown[] }).projects
  return Array.isArray(projects) && projects.length > 0 && project.name ? project.name : undefined
}

/** A test's name in the report and the history: `[project] file > describe > test`. */
export function testName(projectName: string | undefined, file: string, path: readonly string[]): string {
  return (projectName ? `[${projectName}] ` : '') + [file, ...path].join(' > ')
}
