# Inputs named by URL in the config or the sheets are fetched once into results/downloads/.
# A download resumes where a killed one stopped (curl -C - on NAME.part), retries transient failures,
# is checked before it gets its final name (gzip files must decompress to the end; curl itself fails on
# a transfer shorter than the size the server announced), and a failed check removes the partial file,
# so the next attempt starts clean. With config mirror: {prefix, folder}, URLs under the prefix are read
# from the folder instead and never downloaded (clusters without outside network).
rule download:
    output:
        f"{RESULTS}/downloads/{{download}}",
    params:
        url=lambda wc: DOWNLOADS[f"{RESULTS}/downloads/{wc.download}"],
        verify=lambda wc: "gzip -t" if wc.download.endswith(".gz") else "true",
    log:
        f"{RESULTS}/logs/download/{{download}}.log",
    retries: 2
    group:
        "bin"
    threads: threads_of("download")
    resources:
        downloads=1,
        mem_mb=mem_mb_of("download"),
        runtime=runtime_of("download"),
    shell:
        "curl --fail --silent --show-error --location --retry 5 --retry-delay 10 --connect-timeout 60"
        " --continue-at - --output {output}.part {params.url} 2> {log}"
        " && {{ {params.verify} {output}.part 2>> {log} || {{ echo 'download: {output}.part fails its integrity check; removed' >> {log}; rm -f {output}.part; exit 1; }}; }}"
        " && mv {output}.part {output}"
