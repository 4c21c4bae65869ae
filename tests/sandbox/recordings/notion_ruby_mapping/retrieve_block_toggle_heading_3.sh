curl 'https://api.notion.com/v1/blocks/115fb937-ab6d-4a2e-9079-921b03e50756' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
