# fanclub in a container: build, then a small non-root runtime image.
#   docker build -t fanclub .
#   docker run -d --name fanclub -v fanclub-data:/data \
#     -e TELEGRAM_BOT_TOKEN=... -p 127.0.0.1:9464:9464 fanclub
# The FAQ and the catalog are /etc/fanclub/faq.toml and catalog.toml: mount
# your own (-v ./faq.toml:/etc/fanclub/faq.toml:ro). See README, "Docker".

FROM rust:1.94-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-pip \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The sentence model, checked against its SHA-256 by the script.
RUN python3 scripts/fetch-model
RUN cargo build --release --locked --bin fanclub

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin fanclub \
 && install -d -o fanclub -g fanclub -m 0750 /data
COPY --from=build /src/target/release/fanclub /usr/local/bin/fanclub
COPY --from=build /src/models/e5-small-q4.bin /opt/fanclub/e5-small-q4.bin
COPY config/faq.toml config/catalog.toml /etc/fanclub/
COPY contrib/docker.toml /etc/fanclub/fanclub.toml
USER fanclub
WORKDIR /data
VOLUME ["/data"]
EXPOSE 9464
ENTRYPOINT ["/usr/local/bin/fanclub", "--config", "/etc/fanclub/fanclub.toml"]
CMD ["run"]
