/** The spreadsheet types an import reads (./import-file.ts) and a job records, without the readers themselves. */
export const CSV_TYPE = 'text/csv';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
