export declare function macNotarizationRefusal(env: Record<string, string | undefined>): string | null;
export declare function macSigningArguments(env: Record<string, string | undefined>): {
  args: string[];
  note: string | null;
};
