import * as z from "zod";

/**
 * AiDeployment as AI Core answers it, parsed leniently: unknown fields are kept, enum values we do not know
 * yet are kept as strings (the usability rule only says yes to the ones it knows).
 */
export const deploymentSchema = z.looseObject({
  id: z.string().min(1),
  deploymentUrl: z.string().optional().nullable(),
  configurationId: z.string().optional().nullable(),
  configurationName: z.string().optional().nullable(),
  executableId: z.string().optional().nullable(),
  scenarioId: z.string().optional().nullable(),
  status: z.string().optional().nullable(),
  statusMessage: z.string().optional().nullable(),
  targetStatus: z.string().optional().nullable(),
  lastOperation: z.string().optional().nullable(),
  latestRunningConfigurationId: z.string().optional().nullable(),
  createdAt: z.string().optional().nullable(),
  modifiedAt: z.string().optional().nullable(),
  submissionTime: z.string().optional().nullable(),
  startTime: z.string().optional().nullable(),
  completionTime: z.string().optional().nullable(),
});

export type AiDeployment = z.infer<typeof deploymentSchema>;

export const deploymentListSchema = z.looseObject({
  count: z.number().int().nonnegative(),
  resources: z.array(deploymentSchema),
});
