# examhall: build a wheel, then run it as a non-root user. The container migrates, then serves.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY migrations ./migrations
COPY question_banks ./question_banks
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 examhall
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER examhall
WORKDIR /home/examhall
# The exam body's signing key is mounted as a secret (compose.yaml); production refuses to start without it.
ENV EXAMHALL_ENV=production \
    EXAMHALL_SIGNING_KEY_FILE=/run/secrets/examhall_signing_key \
    PYTHONUNBUFFERED=1
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz')"
CMD ["sh", "-c", "examhall db upgrade && exec examhall serve --host 0.0.0.0 --port 8000 --workers ${EXAMHALL_WORKERS:-2}"]
