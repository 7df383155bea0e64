/** The part of Multer's file object the sample reads (Multer's own types are not a dependency). */
export interface UploadedFileData {
  readonly originalname: string;
  readonly mimetype: string;
  readonly size: number;
  readonly buffer: Buffer;
}
