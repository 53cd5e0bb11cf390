/**
 * The model the emulated churn deployment serves: a logistic regression over the features of SAP's churn
 * example (SAP AI Core guide, "Inferencing"). The coefficients are made up but plausible for telco churn:
 * customers who stayed longer, are older, live longer at their address or in their job churn less;
 * renting equipment raises churn; income, region and gender barely matter. Per unit of each feature:
 */
export const CHURN_COEFFICIENTS = {
  intercept: 2.0,
  region: 0.05,
  tenure: -0.045,
  age: -0.02,
  address: -0.025,
  income: 0.002,
  employ: -0.05,
  gender: 0.1,
  equip: 0.8,
} as const;

export const CHURN_FEATURES = [
  "region",
  "tenure",
  "age",
  "address",
  "income",
  "employ",
  "gender",
  "equip",
] as const;

export interface ChurnPrediction {
  churn_probability: number;
  churn: 0 | 1;
}

/** Thrown for an instance the model cannot score; the message is what the model server answers (400, text). */
export class InvalidInstanceError extends Error {}

function describe(value: unknown): string {
  return value === undefined ? "missing" : `not a number (${JSON.stringify(value) ?? typeof value})`;
}

/** Scores one instance: every feature a finite number; extra numeric features are ignored. */
export function predictChurn(instance: unknown, label = "instance"): ChurnPrediction {
  if (typeof instance !== "object" || instance === null || Array.isArray(instance)) {
    throw new InvalidInstanceError(`${label} must be a JSON object of numeric features`);
  }
  const features = instance as Record<string, unknown>;
  for (const [name, value] of Object.entries(features)) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new InvalidInstanceError(`${label}: feature '${name}' is ${describe(value)}`);
    }
  }
  let logit: number = CHURN_COEFFICIENTS.intercept;
  for (const name of CHURN_FEATURES) {
    const value = features[name];
    if (typeof value !== "number") throw new InvalidInstanceError(`${label}: feature '${name}' is missing`);
    logit += CHURN_COEFFICIENTS[name] * value;
  }
  const probability = 1 / (1 + Math.exp(-logit));
  const rounded = Math.round(probability * 10_000) / 10_000;
  // decided on the rounded value, so the answer never shows 0.5 with churn 0
  return { churn_probability: rounded, churn: rounded >= 0.5 ? 1 : 0 };
}
