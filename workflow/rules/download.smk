# Inputs named by URL in the config or sample sheet are fetched once into results/downloads/.
# Written under a temporary name and renamed, like every other output.
rule download:
    output:
        f"{RESULTS}/downloads/{{download}}",
    params:
        url=lambda wc: DOWNLOADS[f"{RESULTS}/downloads/{wc.download}"],
    log:
        f"{RESULTS}/logs/download/{{download}}.log",
    retries: 2
    resources:
        downloads=1,
    shell:
        "curl --fail --silent --show-error --location --retry 3 -o {output}.part {params.url} 2> {log}"
        " && mv {output}.part {output}"
