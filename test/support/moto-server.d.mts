/** Types of ./moto-server.mjs. */
export const MOTO_BROKER_ENV: string

export interface MotoServer {
  url: string
  /** Stops the server's whole process group and waits until nothing answers on `url`. */
  stop(): Promise<void>
}

export function resolvePython(): Promise<{ python: string; motoServer: string }>

export function startMotoServer(command?: string): Promise<MotoServer>

export function openMotoBroker(): Promise<{ close(): Promise<void> }>
