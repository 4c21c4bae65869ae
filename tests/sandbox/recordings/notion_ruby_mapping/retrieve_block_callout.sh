curl 'https://api.notion.com/v1/blocks/715a6550c737444fac994be7822c88d3' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
