/** What a completed processing job returns; the library keeps it in the job's status. */
export interface ProcessingResult {
  readonly renditions: ReadonlyArray<{
    readonly label: string;
    readonly width: number;
    readonly height: number;
    readonly sizeBytes: number;
  }>;
  readonly thumbnails: number;
  /** The first thumbnail's rendition id, for `/api/renditions/:id/thumbnail.svg`. */
  readonly thumbnailId: string | null;
  readonly outputBytes: number;
}

/** What a processing job reports as progress data with every step. */
export interface ProcessingStep {
  readonly step: 'probe' | 'transcode' | 'thumbnail' | 'save';
  readonly message: string;
}
