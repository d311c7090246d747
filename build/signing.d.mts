export declare function macSigningArguments(env: Record<string, string | undefined>): {
  args: string[];
  note: string | null;
};
