# syntax=docker/dockerfile:1
# Multi-stage build: a static CGO_ENABLED=0 binary (pure-Go SQLite, zone data
# embedded with time/tzdata) on a distroless base, run as a non-root user.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/kaohe ./cmd/kaohe \
 && mkdir -p /out/data /out/backups

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kaohe /usr/local/bin/kaohe
COPY --from=build --chown=65532:65532 /out/data /data
# Backups need only the binary (kaohe backup / restore / check); the daily
# archive goes to this volume: mount it on other storage than /data.
COPY --from=build --chown=65532:65532 /out/backups /backups
ENV KAOHE_BACKUP_DIR=/backups
USER 65532:65532
EXPOSE 8080
VOLUME ["/data", "/backups"]
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/kaohe"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--data", "/data"]
