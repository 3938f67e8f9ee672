// Phone-number helpers shared by lists, reports and the console.

/** Masks an Indian mobile for lists and reports: +919876543212 → 98xxxxxx12. */
export function maskMobile(e164: string | null | undefined): string {
  if (!e164) return '';
  const national = e164.replace(/^\+91/, '').replace(/\D/g, '');
  if (national.length < 4) return 'x'.repeat(national.length);
  return national.slice(0, 2) + 'x'.repeat(national.length - 4) + national.slice(-2);
}
