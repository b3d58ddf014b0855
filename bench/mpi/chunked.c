#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
// In-place float32 all-reduce of one TOTAL-MiB buffer, whole (CHUNK 0) or in CHUNK-MiB pieces, ITERS timed rounds each
// (bench/RESULTS.md, "Collectives on a quiet machine"; the cliff behind OpenMpiCollective.TransferPieceElements).
//   mpicc -O2 -o chunked bench/mpi/chunked.c && mpirun -np 2 ./chunked TOTAL_MIB ITERS CHUNK_MIB...
int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank; MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  long total = atol(argv[1]) << 20, iters = atol(argv[2]);
  long n = total / 4;
  float *buf = malloc(total);
  for (long i = 0; i < n; i++) buf[i] = 1.0f;
  for (int c = 3; c < argc; c++) {
    long chunk = atol(argv[c]) << 18; // MiB -> floats
    if (chunk == 0) chunk = n;
    for (int w = 0; w < 2; w++) for (long at = 0; at < n; at += chunk) MPI_Allreduce(MPI_IN_PLACE, buf + at, (int)(n - at < chunk ? n - at : chunk), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    double t = MPI_Wtime();
    for (int i = 0; i < iters; i++) for (long at = 0; at < n; at += chunk) MPI_Allreduce(MPI_IN_PLACE, buf + at, (int)(n - at < chunk ? n - at : chunk), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    t = (MPI_Wtime() - t) / iters;
    if (rank == 0) printf("total %ld MiB chunk %s MiB: %.1f ms, busbw %.2f GB/s\n", total >> 20, argv[c], t * 1e3, total / t / 1e9);
  }
  MPI_Finalize();
}
