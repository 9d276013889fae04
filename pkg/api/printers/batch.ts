// Job and CronJob rows (printJob / printCronJob in Kubernetes' printers.go, v1.32).
import { ageOf, humanDuration } from "../human-duration.js";
import { containerCells, formatLabelSelector, type LabelSelectorLike } from "./apps.js";
import { ageColumn, column, containersColumn, imagesColumn, nameColumn, type KindPrinter, type Timestamp } from "./table.js";

interface PodTemplateLike {
  spec?: { containers?: Array<{ name: string; image?: string }> };
}

interface ConditionLike {
  type?: string;
  status?: string;
}

export interface JobLike {
  metadata?: { name?: string; creationTimestamp?: Timestamp; deletionTimestamp?: Timestamp };
  spec?: { completions?: number; parallelism?: number; selector?: LabelSelectorLike; template?: PodTemplateLike };
  status?: { succeeded?: number; startTime?: Timestamp; completionTime?: Timestamp; conditions?: ConditionLike[] };
}

export interface CronJobLike {
  metadata?: { name?: string; creationTimestamp?: Timestamp };
  spec?: {
    schedule?: string;
    timeZone?: string;
    suspend?: boolean;
    jobTemplate?: { spec?: { selector?: LabelSelectorLike; template?: PodTemplateLike } };
  };
  status?: { active?: unknown[]; lastScheduleTime?: Timestamp };
}

const ms = (t: Timestamp | undefined): number | undefined => {
  if (t === undefined || t === null) return undefined;
  const v = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isFinite(v) ? v : undefined;
};

const hasCondition = (job: JobLike, type: string): boolean => (job.status?.conditions ?? []).some((c) => c.type === type && c.status === "True");

/** The STATUS column, in kubectl 1.32's order of precedence. */
export function jobStatus(job: JobLike): string {
  if (hasCondition(job, "Complete")) return "Complete";
  if (hasCondition(job, "Failed")) return "Failed";
  if (job.metadata?.deletionTimestamp) return "Terminating";
  if (hasCondition(job, "Suspended")) return "Suspended";
  if (hasCondition(job, "FailureTarget")) return "FailureTarget";
  if (hasCondition(job, "SuccessCriteriaMet")) return "SuccessCriteriaMet";
  return "Running";
}

/** "1/1"; without completions, "n/1" (or "n/1 of P" when parallel). */
export function jobCompletions(job: JobLike): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined && job.spec.completions !== null) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(job: JobLike, now: Date): string {
  const start = ms(job.status?.startTime);
  if (start === undefined) return "";
  const end = ms(job.status?.completionTime);
  return humanDuration((end ?? now.getTime()) - start);
}

export const jobPrinter: KindPrinter<JobLike> = {
  columns: [
    nameColumn(),
    column("Status", "string", "Status of the job."),
    column("Completions", "string", "The desired number of successfully finished pods the job should be run with."),
    column("Duration", "string", "Time required to complete the job."),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column("Selector", "string", "A label query over pods that should match the pod count.", { wide: true }),
  ],
  row(job, now) {
    const [names, images] = containerCells(job.spec?.template);
    return {
      cells: [
        job.metadata?.name ?? "",
        jobStatus(job),
        jobCompletions(job),
        jobDuration(job, now),
        ageOf(job.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(job.spec?.selector),
      ],
    };
  },
};

export const cronJobPrinter: KindPrinter<CronJobLike> = {
  columns: [
    nameColumn(),
    column("Schedule", "string", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
    column("Timezone", "string", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
    column("Suspend", "boolean", "This flag tells the controller to suspend subsequent executions."),
    column("Active", "integer", "A list of pointers to currently running jobs."),
    column("Last Schedule", "string", "Information when was the last time the job was successfully scheduled."),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column("Selector", "string", "A label query over pods that should match the pod count.", { wide: true }),
  ],
  row(cj, now) {
    const template = cj.spec?.jobTemplate?.spec;
    const [names, images] = containerCells(template?.template);
    const last = cj.status?.lastScheduleTime;
    const suspend = cj.spec?.suspend;
    return {
      cells: [
        cj.metadata?.name ?? "",
        cj.spec?.schedule ?? "",
        cj.spec?.timeZone || "<none>",
        suspend === undefined || suspend === null ? "<unset>" : suspend ? "True" : "False",
        (cj.status?.active ?? []).length,
        last ? ageOf(last, now) : "<none>",
        ageOf(cj.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(template?.selector),
      ],
    };
  },
};
