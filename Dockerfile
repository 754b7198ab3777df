# The collector's image (README "Deploy with Docker or Podman"). The build context is the repository root because the build
# needs more than src/Host: global.json, Directory.*.props, .editorconfig (analyzer warnings are errors), hocon/.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /build
# Project files before sources: the restore layer is reused until a package reference changes.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Protocol/SmtpCollector.Protocol.csproj src/Protocol/
COPY src/Actors/SmtpCollector.Actors.csproj src/Actors/
COPY src/Host/SmtpCollector.Host.csproj src/Host/
RUN dotnet restore src/Host/SmtpCollector.Host.csproj
COPY hocon/ hocon/
COPY src/ src/
RUN dotnet publish src/Host/SmtpCollector.Host.csproj -c Release --no-restore -p:UseAppHost=false -o /out

# Framework-dependent on the ASP.NET Core image (the runtime's, plus the shared framework the HTTP endpoint for metrics,
# health and the status page runs on), not self-contained on runtime-deps: Akka.NET (HOCON, reflection-based
# serialization) is not trim-safe, so self-contained would only move the same runtime into our own layer.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
COPY --from=build /out /app
# Oversize messages spooled for the broker (or, run without a broker, the json lines file): they must outlive the
# container. Created owned by the unprivileged user so that a new named volume inherits the ownership.
RUN mkdir -p /var/lib/smtp-collector && chown "$APP_UID" /var/lib/smtp-collector
VOLUME /var/lib/smtp-collector
WORKDIR /var/lib/smtp-collector
# The image's own unprivileged "app" user, by number so that runtimes can tell it is not root.
USER $APP_UID
EXPOSE 2424
# Healthy when ready: the LMTP listener bound and, with a broker, the publisher connected (its /readyz on 127.0.0.1:8424,
# asked by the program itself: no curl in the image).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["dotnet", "/app/smtp-collector.dll", "health"]
ENTRYPOINT ["dotnet", "/app/smtp-collector.dll"]
# Without a compose file: LMTP for the container network, messages kept in the volume.
CMD ["lmtp", "--listen", "0.0.0.0:2424", "--sink", "file:/var/lib/smtp-collector/messages.jsonl"]
